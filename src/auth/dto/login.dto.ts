import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';

/** `POST /api/auth/login/` body, as DRF's AuthTokenSerializer takes it. */
export class LoginDto {
  @ApiProperty({ type: String, example: 'john_doe' })
  @IsString({ message: 'Not a valid string.' })
  @IsNotEmpty({ message: 'This field may not be blank.' })
  username!: string;

  @ApiProperty({ type: String, format: 'password', writeOnly: true, example: 'correct horse battery staple' })
  @IsString({ message: 'Not a valid string.' })
  @IsNotEmpty({ message: 'This field may not be blank.' })
  password!: string;
}
